/**
 * Users' own records as events: a {@link io.inertia.spec.FeatureSpec} (YAML) says where the model key, label, weight,
 * event id and features are in a record, {@link io.inertia.spec.FieldPath}s reach into JSON trees and Avro records
 * alike, record decoders read the bytes (JSON, Avro in the Confluent Schema Registry wire format, Avro with a schema
 * file), and {@link io.inertia.spec.SpecEventReader} turns each record into the event the learner already reads.
 */
package io.inertia.spec;
