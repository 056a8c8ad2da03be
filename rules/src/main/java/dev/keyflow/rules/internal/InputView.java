package dev.keyflow.rules.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies filter input into an immutable view of plain data: strings, numbers, booleans, lists and
 * maps with string keys, within size and depth bounds. Anything else (an object with methods a
 * script could reach by reflection) is refused.
 */
final class InputView {

    private final int maxStringLength;
    private final int maxCollectionSize;
    private final int maxDepth;

    InputView(int maxStringLength, int maxCollectionSize, int maxDepth) {
        this.maxStringLength = maxStringLength;
        this.maxCollectionSize = maxCollectionSize;
        this.maxDepth = maxDepth;
    }

    Object copy(Object value) throws InputRejectedException {
        return copy(value, 0);
    }

    private Object copy(Object value, int depth) throws InputRejectedException {
        if (value == null || value instanceof Boolean) {
            return value;
        }
        if (value instanceof CharSequence text) {
            if (text.length() > maxStringLength) {
                throw new InputRejectedException(
                        "a string of " + text.length() + " chars exceeds " + maxStringLength);
            }
            return text.toString();
        }
        if (value instanceof Long || value instanceof Double || value instanceof BigDecimal) {
            return value;
        }
        if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
            return ((Number) value).longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        if (value instanceof BigInteger big) {
            return new BigDecimal(big);
        }
        if (depth >= maxDepth) {
            throw new InputRejectedException("nesting deeper than " + maxDepth);
        }
        if (value instanceof Map<?, ?> map) {
            checkSize(map.size());
            Map<String, Object> copy = new LinkedHashMap<>(map.size() * 2);
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String key)) {
                    throw new InputRejectedException("a map key is not a string");
                }
                copy.put(key, copy(entry.getValue(), depth + 1));
            }
            return Collections.unmodifiableMap(copy);
        }
        if (value instanceof List<?> list) {
            checkSize(list.size());
            List<Object> copy = new ArrayList<>(list.size());
            for (Object element : list) {
                copy.add(copy(element, depth + 1));
            }
            return Collections.unmodifiableList(copy);
        }
        throw new InputRejectedException(
                "values of type " + value.getClass().getName() + " are not allowed");
    }

    private void checkSize(int size) throws InputRejectedException {
        if (size > maxCollectionSize) {
            throw new InputRejectedException(
                    "a collection of " + size + " elements exceeds " + maxCollectionSize);
        }
    }

    /** The input is larger, deeper or of other types than a filter accepts. */
    static final class InputRejectedException extends Exception {
        private static final long serialVersionUID = 1L;

        InputRejectedException(String message) {
            super(message);
        }
    }
}
