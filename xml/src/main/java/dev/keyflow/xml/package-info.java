/**
 * keyflow xml: Secure streaming XML: key extraction (Woodstox StAX), XSD validation, field
 * extraction.
 */
package dev.keyflow.xml;
