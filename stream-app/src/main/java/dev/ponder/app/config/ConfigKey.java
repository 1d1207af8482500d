package dev.ponder.app.config;

/**
 * One setting of the service's own sections: its dotted name, its default ("" when none) and what it means.
 * {@link ServiceConfig#KEYS} lists them all; the README's configuration table is written from that list.
 */
public record ConfigKey(String name, String defaultValue, String doc) {
}
