/** Files in and out: labeled events from CSV or JSON Lines, snapshots as JSON Lines. */
package io.inertia.io;
