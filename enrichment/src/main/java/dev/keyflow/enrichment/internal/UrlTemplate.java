package dev.keyflow.enrichment.internal;

import dev.keyflow.core.ErrorReason;
import dev.keyflow.core.async.ProcessingException;
import java.io.Serializable;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/**
 * A URL with {@code {name}} placeholders, filled with URL-encoded values.
 *
 * <p>Only the path and the query may hold placeholders: the scheme ({@code http://} or {@code
 * https://}), the host and the port are literal, so no element can choose where a call goes. A
 * template is refused when it is not a valid URL once filled, has no host, carries credentials
 * ({@code user:password@}, which would end up in logs and metrics), or holds a space or a control
 * character. A value that fills a whole path segment may not be empty, {@code .} or {@code ..}:
 * HTTP clients resolve those, and the call would reach another resource.
 */
public final class UrlTemplate implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Pattern VARIABLE = Pattern.compile("\\{([A-Za-z0-9_.-]+)}");

    private final String template;
    private final List<String> variables;
    private final Set<String> wholeSegments;

    private UrlTemplate(String template, List<String> variables, Set<String> wholeSegments) {
        this.template = template;
        this.variables = variables;
        this.wholeSegments = wholeSegments;
    }

    /**
     * Parses {@code template}.
     *
     * @throws IllegalArgumentException naming the problem if it does not start with {@code http://}
     *     or {@code https://}, has no host, carries credentials, has a placeholder outside the path
     *     and query, holds a space or control character, or is not a valid URL once filled
     */
    public static UrlTemplate parse(String template) {
        String lower = template.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
            throw new IllegalArgumentException(
                    "'" + template + "' must start with http:// or https://");
        }
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new IllegalArgumentException(
                        "'" + template + "' holds a space or control character at index " + i);
            }
        }
        String authority = authority(template);
        if (authority.isEmpty()) {
            throw new IllegalArgumentException("'" + template + "' has no host");
        }
        if (authority.contains("{")) {
            throw new IllegalArgumentException(
                    "'"
                            + template
                            + "': placeholders may appear only in the path or the query, the host"
                            + " and port are literal");
        }
        if (authority.contains("@")) {
            throw new IllegalArgumentException(
                    "'"
                            + template
                            + "' carries credentials (user:password@); pass them in a header"
                            + " instead");
        }
        List<String> names = new ArrayList<>();
        Set<String> whole = new HashSet<>();
        Matcher m = VARIABLE.matcher(template);
        int pathEnd = pathEnd(template);
        while (m.find()) {
            names.add(m.group(1));
            boolean startsSegment = template.charAt(m.start() - 1) == '/';
            boolean endsSegment =
                    m.end() == template.length() || "/?#".indexOf(template.charAt(m.end())) >= 0;
            if (m.start() < pathEnd && startsSegment && endsSegment) {
                whole.add(m.group(1));
            }
        }
        String sample = VARIABLE.matcher(template).replaceAll("x");
        HttpUrl parsed = HttpUrl.parse(sample);
        if (parsed == null || parsed.host().isEmpty()) {
            throw new IllegalArgumentException("'" + template + "' is not a valid http(s) URL");
        }
        return new UrlTemplate(template, List.copyOf(names), Set.copyOf(whole));
    }

    private static String authority(String template) {
        int start = template.indexOf("://") + 3;
        int end = start;
        while (end < template.length() && "/?#".indexOf(template.charAt(end)) < 0) {
            end++;
        }
        return template.substring(start, end);
    }

    private static int pathEnd(String template) {
        int end = template.length();
        for (char c : new char[] {'?', '#'}) {
            int at = template.indexOf(c, template.indexOf("://") + 3);
            if (at >= 0) {
                end = Math.min(end, at);
            }
        }
        return end;
    }

    /** The placeholder names, in order of appearance. */
    public List<String> variables() {
        return variables;
    }

    /** The host, lower case; the template always names it literally. */
    public String host() {
        String authority = authority(template);
        if (authority.startsWith("[")) {
            return authority.substring(0, authority.indexOf(']') + 1).toLowerCase(Locale.ROOT);
        }
        int colon = authority.indexOf(':');
        return (colon < 0 ? authority : authority.substring(0, colon)).toLowerCase(Locale.ROOT);
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
            if (wholeSegments.contains(m.group(1))
                    && (value.isEmpty() || ".".equals(value) || "..".equals(value))) {
                throw new ProcessingException(
                        ErrorReason.FIELD_INVALID,
                        "URL variable "
                                + m.group(1)
                                + " is '"
                                + value
                                + "', which would change the path of "
                                + template);
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
