/**
 * The learning core: a linear model of one or K outputs (regression, binary and softmax classification), its losses
 * and its optimizers (momentum and its variants, adagrad, adam, FTRL-Proximal), free of any Kafka type so that it can
 * be tested, benchmarked and reused on its own.
 *
 * <p>Sign convention throughout: a gradient g = ∂L/∂θ points uphill, and every optimizer moves parameters against it.
 */
package io.inertia.model;
