/**
 * Kafka serdes for the Avro records generated from {@code schemas/}: Avro binary in Avro's single-object encoding,
 * one serde per schema.
 */
package io.inertia.serde;
