/**
 * The reference job's configuration: one YAML file plus command-line overrides, bound into
 * immutable, serializable records and checked at start; see {@link
 * dev.keyflow.reference.config.ConfigLoader}.
 */
package dev.keyflow.reference.config;
