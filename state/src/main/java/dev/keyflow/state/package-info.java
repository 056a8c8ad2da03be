/** keyflow state: Event-sourced per-key state: event log, sequence numbers and snapshots. */
package dev.keyflow.state;
