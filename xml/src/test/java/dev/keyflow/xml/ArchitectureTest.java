package dev.keyflow.xml;

import dev.keyflow.core.testutils.KeyflowArchitecture;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

    @Test
    void followsTheLayering() {
        KeyflowArchitecture.check("xml");
    }
}
