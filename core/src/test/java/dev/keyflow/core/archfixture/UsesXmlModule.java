package dev.keyflow.core.archfixture;

import dev.keyflow.xml.archfixture.UsesCoreInternals;

/** A deliberate layering violation: core depending on another keyflow module. */
public final class UsesXmlModule {
    public Object other() {
        return new UsesCoreInternals();
    }
}
