/**
 * keyflow enrichment: Async HTTP enrichment with a keyed cache, retries and rate limits; webhook
 * actions.
 */
package dev.keyflow.enrichment;
