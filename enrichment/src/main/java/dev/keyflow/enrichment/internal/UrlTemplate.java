package dev.keyflow.enrichment.internal;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.async.ProcessingException;
import java.io.Serializable;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A URL with {@code {name}} placeholders, filled with URL-encoded values. The scheme must be a
 * literal {@code http://} or {@code https://}, so no element can choose another one.
 */
public final class UrlTemplate implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z0-9_.-]+)}");

    private final String template;
    private final List<String> variables;

    private UrlTemplate(String template, List<String> variables) {
        this.template = template;
        this.variables = variables;
    }

    /**
     * Parses {@code template}.
     *
     * @throws IllegalArgumentException if it does not start with {@code http://} or {@code
     *     https://}
     */
    public static UrlTemplate parse(String template) {
        String lower = template.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
            throw new IllegalArgumentException(
                    "url must start with http:// or https://, was " + template);
        }
        List<String> names = new ArrayList<>();
        Matcher m = VARIABLE.matcher(template);
        while (m.find()) {
            names.add(m.group(1));
        }
        return new UrlTemplate(template, List.copyOf(names));
    }

    /** The placeholder names, in order of appearance. */
    public List<String> variables() {
        return variables;
    }

    /** The host, if the template names it literally (no placeholder in it). */
    public Optional<String> literalHost() {
        int start = template.indexOf("://") + 3;
        int end = start;
        while (end < template.length() && "/?#".indexOf(template.charAt(end)) < 0) {
            end++;
        }
        String authority = template.substring(start, end);
        if (authority.contains("{")) {
            return Optional.empty();
        }
        String host = authority.substring(authority.lastIndexOf('@') + 1);
        if (host.startsWith("[")) {
            return Optional.of(host.substring(0, host.indexOf(']') + 1).toLowerCase(Locale.ROOT));
        }
        int colon = host.indexOf(':');
        return Optional.of((colon < 0 ? host : host.substring(0, colon)).toLowerCase(Locale.ROOT));
    }

    /**
     * The URL with every placeholder replaced by its URL-encoded value.
     *
     * @throws ProcessingException ({@link ErrorReason#FIELD_INVALID}) if a value is missing
     */
    public String fill(Map<String, String> values) throws ProcessingException {
        Matcher m = VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new ProcessingException(
                        ErrorReason.FIELD_INVALID, "no value for URL variable " + m.group(1));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(encode(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String encode(String value) {
        // URLEncoder is form encoding: a space must be %20 in a path, not '+'.
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return template;
    }
}
