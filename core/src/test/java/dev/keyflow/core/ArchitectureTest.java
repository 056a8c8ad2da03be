package dev.keyflow.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.keyflow.core.archfixture.UsesXmlModule;
import dev.keyflow.core.testutils.KeyflowArchitecture;
import dev.keyflow.xml.archfixture.UsesCoreInternals;
import org.junit.jupiter.api.Test;

class ArchitectureTest {

    @Test
    void coreFollowsTheLayering() {
        KeyflowArchitecture.check("core");
    }

    @Test
    void anotherModuleUsingCoreInternalsIsCaught() {
        JavaClasses offender = new ClassFileImporter().importClasses(UsesCoreInternals.class);
        assertThatThrownBy(() -> KeyflowArchitecture.rules("xml").get(0).check(offender))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("internal");
    }

    @Test
    void coreDependingOnAnotherModuleIsCaught() {
        JavaClasses offender = new ClassFileImporter().importClasses(UsesXmlModule.class);
        assertThatThrownBy(() -> KeyflowArchitecture.rules("core").get(1).check(offender))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("UsesXmlModule");
    }
}
