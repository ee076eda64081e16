package io.inertia.registry;

/**
 * How to reach a schema registry: the settings {@code inertia.schema.registry.*}.
 *
 * @param url the registry's base URL, under which {@code /schemas/ids/{id}} answers (for Apicurio Registry, its
 *     Confluent-compatible API {@code …/apis/ccompat/v7})
 * @param userInfo {@code user:password} for HTTP basic auth, or null
 * @param trustStore TLS: the trust store file, or null for the JDK's default trust
 * @param trustStorePassword its password, or null
 * @param trustStoreType its type (JKS, PKCS12), or null for the JDK's default type
 * @param keyStore TLS client authentication: the key store file, or null
 * @param keyStorePassword its password (also the key's), or null
 * @param keyStoreType its type, or null for the JDK's default type
 * @param maxBlockMs how long one record may wait for a registry that does not answer before the outage is reported
 */
public record RegistrySettings(String url, String userInfo, String trustStore, String trustStorePassword,
        String trustStoreType, String keyStore, String keyStorePassword, String keyStoreType, long maxBlockMs) {

    /** Settings with only a URL and a wait bound: no auth, the JDK's default TLS trust. */
    public static RegistrySettings of(String url, long maxBlockMs) {
        return new RegistrySettings(url, null, null, null, null, null, null, null, maxBlockMs);
    }

    /** Hides the password of {@link #userInfo()} and the stores' passwords. */
    @Override
    public String toString() {
        return "RegistrySettings[url=" + url + ", basicAuth=" + (userInfo != null) + ", trustStore=" + trustStore
                + ", keyStore=" + keyStore + ", maxBlockMs=" + maxBlockMs + "]";
    }
}
