package dev.keyflow.enrichment.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import okhttp3.Dns;

/**
 * Keeps keyflow's HTTP calls away from link-local and cloud metadata addresses unless a host was
 * allowed by name: {@code 169.254.0.0/16} and {@code fe80::/10} (where cloud instance metadata
 * services answer, e.g. {@code 169.254.169.254}), {@code fd00:ec2::254} and {@code
 * 100.100.100.200}. A URL or a DNS answer that leads there is a way to read the machine's
 * credentials; a host that resolves only to such addresses fails the call as an unknown host.
 */
public final class AddressGuard implements Dns {

    private final Set<String> allowedHosts;

    /** A guard that lets {@code allowedHosts} (lower case) resolve to any address. */
    public AddressGuard(Set<String> allowedHosts) {
        this.allowedHosts = Set.copyOf(allowedHosts);
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
        List<InetAddress> all = Dns.SYSTEM.lookup(hostname);
        if (allowedHosts.contains(hostname.toLowerCase(Locale.ROOT))) {
            return all;
        }
        List<InetAddress> usable = new ArrayList<>(all.size());
        for (InetAddress address : all) {
            if (!isGuarded(address)) {
                usable.add(address);
            }
        }
        if (usable.isEmpty()) {
            throw new UnknownHostException(
                    hostname
                            + " resolves only to link-local or metadata addresses "
                            + all
                            + "; name the host in the allowed hosts to call it");
        }
        return usable;
    }

    /** Whether {@code address} is link-local or a known cloud metadata address. */
    public static boolean isGuarded(InetAddress address) {
        if (address.isLinkLocalAddress()) {
            return true;
        }
        String text = address.getHostAddress();
        return "100.100.100.200".equals(text) || "fd00:ec2:0:0:0:0:0:254".equals(text);
    }

    /**
     * The guard's verdict on a literal IP host of a URL (a name is checked when it resolves).
     *
     * @return true if {@code host} is an IP literal the guard refuses
     */
    public static boolean isGuardedLiteral(String host) {
        String literal =
                host.startsWith("[") && host.endsWith("]")
                        ? host.substring(1, host.length() - 1)
                        : host;
        boolean ipv4 = literal.matches("[0-9.]+");
        boolean ipv6 = literal.contains(":");
        if (!ipv4 && !ipv6) {
            return false;
        }
        try {
            // An IP literal is parsed, never looked up.
            return isGuarded(InetAddress.getByName(literal));
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
