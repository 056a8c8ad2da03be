package dev.keyflow.rules.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Finds property paths of a filter that would call a Java bean getter.
 *
 * <p>Aviator resolves {@code a.b} on a map as a key look-up, but on any other object as a call of
 * its getter {@code getB()} or {@code isB()} (or of {@code b()} itself if the name starts with
 * {@code is}): {@code event.name.class} returns {@code String.class}, {@code .bytes} a byte array,
 * {@code .empty} a boolean. The input view holds only plain data, but strings, numbers and lists
 * still have such getters, so a path segment named like one of them is refused at compile time. The
 * names come from the public methods of every type a filter can hold (strings, numbers, booleans,
 * characters, lists, regex patterns), compared without case.
 */
final class JavaGetters {

    /** Lower-case names of the public instance methods that Aviator could call as getters. */
    private static final Set<String> METHODS = methods();

    private JavaGetters() {}

    /** The first segment of {@code path} after its root that would call a getter, if any. */
    static Optional<String> reachedBy(String path) {
        String[] segments = path.split("\\.");
        for (int i = 1; i < segments.length; i++) {
            String segment = withoutIndex(segments[i]);
            if (isGetter(segment)) {
                return Optional.of(segment);
            }
        }
        return Optional.empty();
    }

    private static boolean isGetter(String segment) {
        String name = segment.toLowerCase(Locale.ROOT);
        return !name.isEmpty()
                && (METHODS.contains("get" + name)
                        || METHODS.contains("is" + name)
                        || (name.startsWith("is") && METHODS.contains(name)));
    }

    /** {@code tags[0]} and {@code attrs(key)} (Aviator's index and key forms) name {@code tags}. */
    private static String withoutIndex(String segment) {
        int bracket = segment.indexOf('[');
        int paren = segment.indexOf('(');
        int end = segment.length();
        if (bracket >= 0) {
            end = Math.min(end, bracket);
        }
        if (paren >= 0) {
            end = Math.min(end, paren);
        }
        return segment.substring(0, end);
    }

    private static Set<String> methods() {
        List<Class<?>> types =
                List.of(
                        Object.class,
                        String.class,
                        Character.class,
                        Boolean.class,
                        Long.class,
                        Integer.class,
                        Double.class,
                        BigDecimal.class,
                        BigInteger.class,
                        Pattern.class,
                        List.class,
                        Collections.unmodifiableList(new ArrayList<>()).getClass(),
                        Collections.unmodifiableList(new LinkedList<>()).getClass(),
                        ArrayList.class);
        Set<String> names = new HashSet<>();
        for (Class<?> type : types) {
            for (Method method : type.getMethods()) {
                if (!Modifier.isStatic(method.getModifiers())
                        && (method.getName().startsWith("get")
                                || method.getName().startsWith("is"))) {
                    names.add(method.getName().toLowerCase(Locale.ROOT));
                }
            }
        }
        return Set.copyOf(names);
    }
}
