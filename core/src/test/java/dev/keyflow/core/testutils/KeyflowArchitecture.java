package dev.keyflow.core.testutils;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The layering rules of keyflow, checked by one small test per module:
 *
 * <ul>
 *   <li>no module uses another module's {@code internal} package (only its API);
 *   <li>{@code core} depends on no other keyflow module; {@code xml}, {@code rules}, {@code
 *       enrichment} and {@code state} depend on {@code core} only; the reference job and the
 *       examples may use any module's API.
 * </ul>
 *
 * <pre>{@code
 * class ArchitectureTest {
 *     @Test
 *     void followsTheLayering() {
 *         KeyflowArchitecture.check("xml");
 *     }
 * }
 * }</pre>
 */
public final class KeyflowArchitecture {

    private static final String ROOT = "dev.keyflow";

    /** For each library module, the other keyflow modules it may depend on. */
    private static final Map<String, Set<String>> ALLOWED =
            Map.of(
                    "core", Set.of(),
                    "xml", Set.of("core"),
                    "rules", Set.of("core"),
                    "enrichment", Set.of("core"),
                    "state", Set.of("core"));

    private static final List<String> MODULES =
            List.of("core", "xml", "rules", "enrichment", "state", "reference", "examples");

    private KeyflowArchitecture() {}

    /** Checks the production classes of {@code module} (its package below {@code dev.keyflow}). */
    public static void check(String module) {
        JavaClasses classes =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages(ROOT + "." + module);
        for (ArchRule rule : rules(module)) {
            rule.check(classes);
        }
    }

    /** The rules for {@code module}, to check against classes of your choosing. */
    public static List<ArchRule> rules(String module) {
        String own = ROOT + "." + module + "..";
        ArchRule noForeignInternals =
                noClasses()
                        .that()
                        .resideInAPackage(own)
                        .should()
                        .dependOnClassesThat(internalOfAnotherModule(module))
                        .because("a module uses other modules only through their API")
                        .allowEmptyShould(true);
        Set<String> allowed = ALLOWED.get(module);
        if (allowed == null) {
            return List.of(noForeignInternals);
        }
        ArchRule layering =
                noClasses()
                        .that()
                        .resideInAPackage(own)
                        .should()
                        .dependOnClassesThat(inModuleOtherThan(module, allowed))
                        .because(
                                module
                                        + " may depend on "
                                        + (allowed.isEmpty() ? "no other keyflow module" : allowed))
                        .allowEmptyShould(true);
        return List.of(noForeignInternals, layering);
    }

    private static DescribedPredicate<JavaClass> internalOfAnotherModule(String module) {
        return DescribedPredicate.describe(
                "are in the internal package of a module other than " + module,
                c -> {
                    String m = moduleOf(c);
                    return m != null
                            && !m.equals(module)
                            && c.getPackageName().contains(".internal");
                });
    }

    private static DescribedPredicate<JavaClass> inModuleOtherThan(
            String module, Set<String> allowed) {
        return DescribedPredicate.describe(
                "belong to a keyflow module other than " + module + " and " + allowed,
                c -> {
                    String m = moduleOf(c);
                    return m != null && !m.equals(module) && !allowed.contains(m);
                });
    }

    private static String moduleOf(JavaClass c) {
        String pkg = c.getPackageName();
        for (String module : MODULES) {
            String base = ROOT + "." + module;
            if (pkg.equals(base) || pkg.startsWith(base + ".")) {
                return module;
            }
        }
        return null;
    }
}
