package dev.keyflow.xml.internal;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.w3c.dom.ls.LSInput;
import org.w3c.dom.ls.LSResourceResolver;

/**
 * Resolves schema and DTD locations from a bundle's files only (see {@code SchemaBundle}). Every
 * bundle file has the system id {@code keyflow-bundle:/<name>}, so relative locations resolve
 * inside the bundle; a location found nowhere is recorded in {@link #refused()} and answered with
 * {@code null}, which the JDK loader (whose external access is switched off) then reports as an
 * error without opening anything.
 */
public final class BundleResolver implements LSResourceResolver {

    /** The scheme of bundle files' system ids. */
    public static final String SCHEME = "keyflow-bundle";

    private static final String DTD_TYPE = "http://www.w3.org/TR/REC-xml";

    private final Map<String, byte[]> files;
    private final List<String> refused = Collections.synchronizedList(new ArrayList<>());

    public BundleResolver(Map<String, byte[]> files) {
        this.files = files;
    }

    /** The system id of a bundle file. */
    public static String systemId(String name) {
        return SCHEME + ":/" + name;
    }

    /** Locations asked for that the bundle does not have. */
    public List<String> refused() {
        return List.copyOf(refused);
    }

    @Override
    @Nullable
    public LSInput resolveResource(
            String type, String namespaceUri, String publicId, String systemId, String baseUri) {
        if (systemId == null) {
            // An xs:import without schemaLocation: the namespace must come from another file.
            return null;
        }
        String name = find(systemId, baseUri);
        if (name != null) {
            return new BundleInput(publicId, systemId(name), baseUri, files.get(name));
        }
        if (DTD_TYPE.equals(type)) {
            // An external DTD of a trusted schema file that the bundle lacks: read as empty.
            return new BundleInput(publicId, systemId, baseUri, new byte[0]);
        }
        refused.add(systemId);
        return null;
    }

    @Nullable
    private String find(String systemId, @Nullable String baseUri) {
        URI location;
        try {
            location = new URI(systemId.trim());
        } catch (URISyntaxException e) {
            return null;
        }
        if (!location.isAbsolute()) {
            if (baseUri != null && baseUri.startsWith(SCHEME + ":")) {
                try {
                    location = new URI(baseUri).resolve(location);
                } catch (URISyntaxException e) {
                    return null;
                }
            } else {
                location = URI.create(SCHEME + ":/").resolve(location);
            }
        }
        if (SCHEME.equals(location.getScheme())) {
            String path = location.normalize().getPath();
            String name = path != null && path.startsWith("/") ? path.substring(1) : path;
            return name != null && files.containsKey(name) ? name : null;
        }
        // An absolute URL elsewhere: the bundle file with the same file name, if exactly one.
        String path = location.getPath();
        if (path == null || path.isEmpty()) {
            return null;
        }
        String fileName = path.substring(path.lastIndexOf('/') + 1);
        String match = null;
        for (String name : files.keySet()) {
            if (name.equals(fileName) || name.endsWith("/" + fileName)) {
                if (match != null) {
                    return null;
                }
                match = name;
            }
        }
        return match;
    }

    /** An in-memory input. */
    private static final class BundleInput implements LSInput {
        private final String publicId;
        private final String systemId;
        private final String baseUri;
        private final byte[] content;

        BundleInput(String publicId, String systemId, String baseUri, byte[] content) {
            this.publicId = publicId;
            this.systemId = systemId;
            this.baseUri = baseUri;
            this.content = content;
        }

        @Override
        public Reader getCharacterStream() {
            return null;
        }

        @Override
        public void setCharacterStream(Reader characterStream) {
            throw new UnsupportedOperationException();
        }

        @Override
        public InputStream getByteStream() {
            return new ByteArrayInputStream(content);
        }

        @Override
        public void setByteStream(InputStream byteStream) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String getStringData() {
            return null;
        }

        @Override
        public void setStringData(String stringData) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String getSystemId() {
            return systemId;
        }

        @Override
        public void setSystemId(String systemId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String getPublicId() {
            return publicId;
        }

        @Override
        public void setPublicId(String publicId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String getBaseURI() {
            return baseUri;
        }

        @Override
        public void setBaseURI(String baseUri) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String getEncoding() {
            return null;
        }

        @Override
        public void setEncoding(String encoding) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean getCertifiedText() {
            return false;
        }

        @Override
        public void setCertifiedText(boolean certifiedText) {
            throw new UnsupportedOperationException();
        }
    }
}
