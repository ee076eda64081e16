/**
 * Offline replay: labeled events from a file, fed through the production topology in-process (no broker), with the
 * snapshots written to a JSON Lines file.
 */
package io.inertia.replay;
