/** The {@code inertia} command line: {@code replay}, {@code run}, {@code produce}, {@code snapshots}, {@code generate}. */
package io.inertia.cli;
