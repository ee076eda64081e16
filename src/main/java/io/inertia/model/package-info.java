/**
 * The learning core: a linear model, its losses and the momentum optimizer, free of any Kafka type so that it can be
 * tested, benchmarked and reused on its own.
 *
 * <p>Sign convention throughout: a gradient g = ∂L/∂θ points uphill, and every optimizer moves parameters against it.
 */
package io.inertia.model;
