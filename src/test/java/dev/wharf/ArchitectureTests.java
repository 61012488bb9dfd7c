package dev.wharf;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The arrows of docs/ARCHITECTURE.md, kept honest. */
class ArchitectureTests {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.wharf");
    }

    @Test
    void specTypesClientAndCliStayFreeOfServerFrameworks() {
        noClasses().that().resideInAnyPackage("dev.wharf.oci..", "dev.wharf.client..", "dev.wharf.cli..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.springframework..", "jakarta.persistence..", "org.hibernate..", "software.amazon..",
                        "jakarta.servlet..", "dev.wharf.server..")
                .because("the client runs without Spring, JPA or the AWS SDK, and `wharf --version` must be instant")
                .check(classes);
    }

    @Test
    void storageNeverKnowsHttp() {
        noClasses().that().resideInAPackage("dev.wharf.server.storage..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "jakarta.servlet..", "org.springframework.web..", "org.springframework.http..",
                        "dev.wharf.server.web..", "dev.wharf.server.api..")
                .check(classes);
    }

    @Test
    void storageNeverKnowsSql() {
        noClasses().that().resideInAPackage("dev.wharf.server.storage..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework.jdbc..", "jakarta.persistence..", "java.sql..")
                .check(classes);
    }

    @Test
    void endpointsNeverTouchSql() {
        noClasses().that().haveSimpleNameEndingWith("Endpoints")
                .or().haveSimpleNameEndingWith("Endpoint")
                .or().haveSimpleNameEndingWith("Api")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework.jdbc..", "jakarta.persistence..", "java.sql..")
                .check(classes);
    }

    @Test
    void theLowerLayersNeverReachUpIntoFeatures() {
        // docs/ARCHITECTURE.md: api -> features -> route, web, storage
        noClasses().that().resideInAnyPackage("dev.wharf.server.route..", "dev.wharf.server.web..",
                        "dev.wharf.server.storage..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.wharf.server.api..",
                        "dev.wharf.server.blob..", "dev.wharf.server.upload..", "dev.wharf.server.manifest..",
                        "dev.wharf.server.tag..", "dev.wharf.server.referrers..", "dev.wharf.server.catalog..",
                        "dev.wharf.server.auth..", "dev.wharf.server.management..", "dev.wharf.server.gc..")
                .check(classes);
    }

    @Test
    void featuresNeverDependOnTheApiLayer() {
        noClasses().that().resideInAnyPackage("dev.wharf.server.blob..", "dev.wharf.server.upload..",
                        "dev.wharf.server.manifest..", "dev.wharf.server.tag..", "dev.wharf.server.referrers..",
                        "dev.wharf.server.catalog..", "dev.wharf.server.gc..")
                .should().dependOnClassesThat().resideInAPackage("dev.wharf.server.api..")
                .check(classes);
    }

    @Test
    void theCollectorIsUsedOnlyByTheManagementApi() {
        // features queue reviews in SQL, in the statement that changes a reference; nothing but the
        // management API calls into the collector, so it may use every feature without a cycle
        noClasses().that().resideInAnyPackage("dev.wharf.server..")
                .and().resideOutsideOfPackages("dev.wharf.server.gc..", "dev.wharf.server.management..")
                .should().dependOnClassesThat().resideInAPackage("dev.wharf.server.gc..")
                .check(classes);
    }

    @Test
    void serverFeaturesHaveNoCycles() {
        slices().matching("dev.wharf.server.(*)..").should().beFreeOfCycles().check(classes);
    }
}
