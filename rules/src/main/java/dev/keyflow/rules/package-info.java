/**
 * keyflow rules: Business rules as data: CEL validation, sandboxed AviatorScript filters, versioned
 * rule bundles.
 */
package dev.keyflow.rules;
