package org.bastion.stats;

/** One statistic as memcached names it; the text protocol prints {@code STAT name value}, binary a key and a value. */
public record Stat(String name, String value) {
}
