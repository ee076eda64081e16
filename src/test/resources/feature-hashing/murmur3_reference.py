#!/usr/bin/env python3
"""Independent reference for FeatureHasherTest: MurmurHash3_x86_32 and the bucket/sign rule of FeatureHasher.

Written from Austin Appleby's description of MurmurHash3_x86_32 (SMHasher, MurmurHash3.cpp, public domain), in
Python's unbounded integers masked to 32 bits, so that it shares no code and no overflow idiom with the Java class.
Prints every value FeatureHasherTest expects; run it with `python3 murmur3_reference.py` (no third-party packages).

Rule checked (FeatureHasher's javadoc): h = murmur3_x86_32(utf8(name), seed 0), bucket = h & (2^b - 1),
sign = +1 when bit 31 of h is 0, else -1; the hashed feature is named "#" + decimal bucket.
"""

MASK = 0xFFFFFFFF
C1 = 0xCC9E2D51
C2 = 0x1B873593


def rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & MASK


def fmix(h):
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK
    h ^= h >> 16
    return h


def scramble(k):
    k = (k * C1) & MASK
    k = rotl(k, 15)
    return (k * C2) & MASK


def murmur3_x86_32(data: bytes, seed: int = 0) -> int:
    """The 32-bit hash as an unsigned integer in [0, 2^32)."""
    h = seed & MASK
    whole = len(data) - len(data) % 4
    for i in range(0, whole, 4):
        h ^= scramble(int.from_bytes(data[i:i + 4], "little"))
        h = rotl(h, 13)
        h = (h * 5 + 0xE6546B64) & MASK
    tail = data[whole:]
    if tail:
        h ^= scramble(int.from_bytes(tail, "little"))
    h ^= len(data) & MASK
    return fmix(h)


def bucket_and_sign(name: str, bits: int):
    h = murmur3_x86_32(name.encode("utf-8"), 0)
    return h & ((1 << bits) - 1), (1 if h >> 31 == 0 else -1)


VECTORS = [
    (b"", 0),
    (b"", 1),
    (b"", 0xFFFFFFFF),
    (b"\x00\x00\x00\x00", 0),
    (b"\xff\xff\xff\xff", 0),
    (b"a", 0x9747B28C),
    (b"aa", 0x9747B28C),
    (b"aaa", 0x9747B28C),
    (b"aaaa", 0x9747B28C),
    (b"Hello, world!", 0x9747B28C),
    (b"The quick brown fox jumps over the lazy dog", 0x9747B28C),
    (b"hello", 0),
    (b"The quick brown fox jumps over the lazy dog", 0),
    ("π日本".encode("utf-8"), 0),
]

NAMES = ["apple", "banana", "cherry", "user=42", "hello", "π", "x"]


def hash_features(named, bits):
    """FeatureHasher.hash: signed values summed per bucket, in ascending order of the names (Python's str order is
    by code point, Java's String order by UTF-16 unit; the two agree on the ASCII names used here)."""
    hashed = {}
    for name in sorted(named):
        bucket, sign = bucket_and_sign(name, bits)
        key = "#" + str(bucket)
        hashed[key] = hashed[key] + sign * named[name] if key in hashed else sign * named[name]
    return dict(sorted(hashed.items()))

if __name__ == "__main__":
    for data, seed in VECTORS:
        print(f"murmur3_x86_32({data!r}, seed=0x{seed:08x}) = 0x{murmur3_x86_32(data, seed):08x}")
    for bits in (1, 4, 10, 30):
        for name in NAMES:
            bucket, sign = bucket_and_sign(name, bits)
            print(f"bits={bits:2d} {name!r}: h=0x{murmur3_x86_32(name.encode('utf-8')):08x} #{bucket} sign {sign:+d}")
    print("collisions, bits=1:", hash_features({"apple": 2.0, "cherry": 0.5, "banana": 3.0, "hello": 1.0}, 1))
    print("order, bits=1:", hash_features({"user=42": 1e16, "apple": 1e16, "cherry": -1.0}, 1),
          "; in the order user=42, apple, cherry it would be", (-1e16 + 1e16) + 1.0)
    words = [f"word-{i}" for i in range(50)]
    print("50 words, bits=4: buckets", sorted({bucket_and_sign(w, 4)[0] for w in words}))
