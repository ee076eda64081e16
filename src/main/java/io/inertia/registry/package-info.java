/**
 * A client of a Confluent-compatible Schema Registry ({@code GET /schemas/ids/{id}}): writer schemas by id, fetched
 * once and kept (an id never changes), with basic auth and TLS, waiting out an outage with bounded backoff instead of
 * blaming the record.
 */
package io.inertia.registry;
