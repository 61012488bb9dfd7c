package dev.wharf.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import com.sun.net.httpserver.HttpServer;
import dev.wharf.oci.Digest;
import dev.wharf.testing.GoldenImages;
import dev.wharf.testing.RegistryServer;
import dev.wharf.testing.TestImages;
import dev.wharf.testing.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web UI in a real browser (Debian's chromium and chromium-driver, headless), on a real server
 * with auth: the walk of issue 10, step by step — sign in, explore, search, a repository, an image
 * (layers lined up with history, the platforms of an index, referrers), copy the pull command,
 * compare two tags, make a robot and log in with it through real {@code docker login}, revoke it,
 * delete a tag, sign out — then what an anonymous visitor sees (public only; never a private name)
 * and a forged cross-site POST (refused). Every page is checked with axe-core (no serious or
 * critical violation) and photographed into {@code target/ui-screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiIT {

    private static final String PASSWORD = "walk-password-1";
    private static final Path SCREENSHOTS = Path.of("target", "ui-screenshots");

    private RegistryServer server;
    private UiContent content;
    private WebDriver browser;
    private WebDriverWait wait;
    private Path dockerConfig;
    private String robotSecret;
    private int shots;

    @BeforeAll
    void start() throws IOException {
        Tools.require("chromium", "chromium");
        Tools.require("chromedriver", "chromium-driver");
        Tools.requireDocker();
        server = RegistryServer.startWithAuth(Map.of());
        content = new UiContent(server);
        content.createUser("dana", PASSWORD);
        content.createUser("eve", PASSWORD);
        content.createOrganization("acme", "dana");
        content.createOrganization("secretive", "eve");

        dockerConfig = Files.createTempDirectory("wharf-ui-docker-");
        docker(PASSWORD + "\n", "login", "-u", "dana", "--password-stdin", server.hostPort()).orFail();
        for (String tag : List.of("v1", "v2")) {
            String ref = server.hostPort() + "/acme/app:" + tag;
            TestImages.build(ref, 2, 32 * 1024);
            docker(null, "push", ref).orFail();
            docker(null, "rmi", ref).orFail();
        }
        content.pushGoldenIndex("acme/app", "multi");
        content.pushSmallImage("acme/public-tool", "1.0");
        content.setVisibility("acme/public-tool", "public");
        content.pushSmallImage("secretive/hidden-thing", "1");

        Files.createDirectories(SCREENSHOTS);
        try (var old = Files.list(SCREENSHOTS)) {
            for (Path p : old.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.delete(p);
            }
        }
        browser = chrome();
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    private static WebDriver chrome() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(Tools.find("chromium").toString());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(Tools.find("chromedriver").toFile()).build();
        return new ChromeDriver(service, options);
    }

    private Tools.Result docker(String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", "--config", dockerConfig.toString()));
        command.addAll(List.of(args));
        return Tools.runWithInput(Path.of("."), 300, stdin, command.toArray(String[]::new));
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private void open(String path) {
        browser.get(server.base() + path);
    }

    /** Checks the page with axe-core and saves a screenshot as {@code NN-name.png}. */
    private void page(String name) {
        Results results = new AxeBuilder().analyze(browser);
        List<Rule> bad = results.getViolations().stream()
                .filter(r -> "serious".equals(r.getImpact()) || "critical".equals(r.getImpact())).toList();
        assertThat(bad).as("axe-core on %s (%s): %s", name, browser.getCurrentUrl(), bad.stream()
                .map(r -> r.getId() + " (" + r.getImpact() + "): " + r.getHelp() + " at "
                        + r.getNodes().stream().map(n -> String.valueOf(n.getTarget())).collect(Collectors.joining(", ")))
                .collect(Collectors.joining("; "))).isEmpty();
        screenshot(name);
    }

    private void screenshot(String name) {
        Path file = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
        try {
            Files.copy(file, SCREENSHOTS.resolve(String.format("%02d-%s.png", ++shots, name)),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private WebElement find(By by) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private String text() {
        return browser.findElement(By.tagName("body")).getText();
    }

    // ---- the walk ---------------------------------------------------------------------------------

    @Test
    @Order(1)
    void signIn() {
        open("/login");
        page("sign-in");
        find(By.id("username")).sendKeys("dana");
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.findElement(By.cssSelector("form.card button[type=submit]")).click();
        find(By.cssSelector(".who .user"));
        assertThat(browser.findElement(By.cssSelector(".who .user")).getText()).isEqualTo("dana");
        assertThat(browser.getTitle()).isEqualTo("Explore — Wharf");
    }

    @Test
    @Order(2)
    void exploreAndSearch() {
        open("/");
        assertThat(text()).contains("acme/app", "acme/public-tool").doesNotContain("secretive/hidden-thing");
        page("explore");
        WebElement search = find(By.id("q"));
        search.sendKeys("app");
        search.submit();
        wait.until(ExpectedConditions.urlContains("q=app"));
        List<String> names = browser.findElements(By.cssSelector("table.list tbody th a")).stream()
                .map(WebElement::getText).toList();
        assertThat(names).containsExactly("acme/app");
        page("search");
    }

    @Test
    @Order(3)
    void repository() {
        browser.findElement(By.linkText("acme/app")).click();
        wait.until(ExpectedConditions.titleIs("acme/app — Wharf"));
        List<String> tags = browser.findElements(By.cssSelector("table.list tbody th a")).stream()
                .map(WebElement::getText).toList();
        assertThat(tags).containsExactly("multi", "v1", "v2");
        assertThat(text()).contains("linux/amd64", "linux/arm64/v8");
        page("repository");
    }

    @Test
    @Order(4)
    void imageWithLayersLinedUpWithHistory() {
        browser.findElement(By.linkText("v2")).click();
        wait.until(ExpectedConditions.titleIs("acme/app:v2 — Wharf"));
        List<WebElement> steps = browser.findElements(By.cssSelector("table.layers tbody tr"));
        List<String> instructions = steps.stream().map(r -> r.findElement(By.cssSelector("code.instruction")).getText())
                .toList();
        assertThat(instructions).anySatisfy(i -> assertThat(i).startsWith("COPY"))
                .anySatisfy(i -> assertThat(i).startsWith("CMD"));
        long withLayer = steps.stream().filter(r -> !r.getText().contains("no layer")).count();
        assertThat(withLayer).isEqualTo(3);
        assertThat(browser.findElements(By.cssSelector("tr.empty-layer"))).isNotEmpty();
        page("image");
    }

    @Test
    @Order(5)
    void platformsOfAMultiArchIndexAndItsReferrers() {
        open("/r/acme/app/-/multi");
        List<String> platforms = browser.findElements(By.cssSelector("section[aria-labelledby=platforms-title] tbody th a"))
                .stream().map(WebElement::getText).toList();
        assertThat(platforms).containsExactly("linux/amd64", "linux/arm64/v8");
        page("index");
        browser.findElement(By.linkText("linux/amd64")).click();
        wait.until(ExpectedConditions.titleContains("acme/app@"));
        assertThat(text()).contains("SBOMs", GoldenImages.digest(GoldenImages.ARTIFACT).toString().substring(0, 19));
        page("platform-image-with-referrers");
        browser.findElement(By.cssSelector("ul.referrers a")).click();
        wait.until(ExpectedConditions.titleContains("acme/app@"));
        assertThat(text()).contains("application/spdx+json", "This artifact refers to");
        page("referrer");
    }

    @Test
    @Order(6)
    void copyPullCommand() {
        open("/r/acme/app");
        WebElement command = find(By.id("pull-command"));
        assertThat(command.getDomProperty("value")).isEqualTo("docker pull " + server.hostPort() + "/acme/app:multi");
        WebElement copy = browser.findElement(By.cssSelector("button.copy[data-copy-from=pull-command]"));
        copy.click();
        wait.until(ExpectedConditions.textToBePresentInElement(copy, "Copied"));
    }

    @Test
    @Order(7)
    void compareTwoTags() {
        open("/r/acme/app");
        WebElement from = find(By.id("from"));
        from.clear();
        from.sendKeys("v1");
        WebElement to = browser.findElement(By.id("to"));
        to.clear();
        to.sendKeys("v2");
        to.submit();
        wait.until(ExpectedConditions.urlContains("/-/compare"));
        assertThat(text()).contains("1 layers shared, 2 added, 2 removed");
        assertThat(browser.findElements(By.cssSelector("tr.change-shared"))).hasSize(1);
        page("compare");
    }

    @Test
    @Order(8)
    void createARobotAndLogInWithItThroughDocker() {
        open("/n/acme");
        page("namespace");
        assertThat(find(By.id("usage")).getText()).as("usage against quota").matches("Storage used: [0-9.]+ [KM]iB, no quota");
        find(By.cssSelector("details.create summary")).click();
        find(By.id("robot-name")).sendKeys("ci");
        browser.findElement(By.id("robot-description")).sendKeys("the CI pipeline");
        browser.findElement(By.id("robot-name")).submit();
        wait.until(ExpectedConditions.titleContains("Robot acme+ci created"));
        robotSecret = find(By.id("secret-value")).getDomProperty("value");
        assertThat(robotSecret).startsWith("wharf_rbt_");
        assertThat(browser.findElement(By.id("secret-login")).getDomProperty("value"))
                .isEqualTo("echo '" + robotSecret + "' | docker login " + server.hostPort() + " -u 'acme+ci' --password-stdin");
        page("robot-secret-once");

        open("/n/acme");
        assertThat(browser.getPageSource()).doesNotContain(robotSecret);
        assertThat(text()).contains("acme+ci", "the CI pipeline");

        Tools.Result login = docker(robotSecret + "\n", "login", "-u", "acme+ci", "--password-stdin", server.hostPort());
        assertThat(login.exitCode()).as(login.output()).isZero();
        assertThat(docker(null, "pull", server.hostPort() + "/acme/app:v1").exitCode()).isZero();
        docker(null, "rmi", server.hostPort() + "/acme/app:v1");
    }

    @Test
    @Order(9)
    void revokeTheRobot() {
        open("/n/acme");
        find(By.cssSelector("button[aria-label='Delete robot acme+ci']")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "deleted"));
        assertThat(text()).doesNotContain("the CI pipeline");
        Tools.Result login = docker(robotSecret + "\n", "login", "-u", "acme+ci", "--password-stdin", server.hostPort());
        assertThat(login.exitCode()).as(login.output()).isNotZero();
        docker(PASSWORD + "\n", "login", "-u", "dana", "--password-stdin", server.hostPort()).orFail();
    }

    @Test
    @Order(10)
    void deleteATag() {
        open("/r/acme/app");
        find(By.cssSelector("a[aria-label='Delete tag v1']")).click();
        wait.until(ExpectedConditions.titleContains("Delete acme/app:v1"));
        page("delete-tag");
        browser.findElement(By.cssSelector("button.danger")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "Tag v1 deleted"));
        List<String> tags = browser.findElements(By.cssSelector("table.list tbody th a")).stream()
                .map(WebElement::getText).toList();
        assertThat(tags).containsExactly("multi", "v2");
    }

    @Test
    @Order(11)
    void settingsAndAdministrationPages() {
        open("/settings/tokens");
        page("settings-tokens");
        open("/r/acme/app/-/v2/nonsense");
        assertThat(browser.getTitle()).isEqualTo("Not found — Wharf");
        page("not-found");
        open("/admin/users");
        assertThat(browser.getTitle()).isEqualTo("Not allowed — Wharf");
        page("no-permission");
        open("/n/dana");
        assertThat(text()).contains("No repositories yet");
        page("empty-namespace");
        open("/r/dana/new-thing");
        assertThat(text()).contains("Nothing pushed yet", "docker push " + server.hostPort() + "/dana/new-thing:1");
        page("nothing-pushed-yet");
    }

    @Test
    @Order(12)
    void phoneWidthAndDarkMode() {
        browser.manage().window().setSize(new Dimension(390, 900));
        open("/r/acme/app/-/v2");
        Object overflow = ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "var wide = [];"
                + "document.querySelectorAll('body *').forEach(function (e) {"
                + "  var r = e.getBoundingClientRect();"
                + "  if (r.right > window.innerWidth + 1 && !e.closest('.scroll, pre')) {"
                + "    wide.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right)); } });"
                + "return wide.slice(0, 5).join(', ');");
        assertThat(overflow).as("elements wider than a phone's screen").isEqualTo("");
        page("image-phone");
        ((ChromeDriver) browser).executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
        browser.manage().window().setSize(new Dimension(1280, 1000));
        open("/r/acme/app");
        String background = (String) ((org.openqa.selenium.JavascriptExecutor) browser)
                .executeScript("return getComputedStyle(document.body).backgroundColor;");
        assertThat(background).isEqualTo("rgb(13, 17, 23)");
        page("repository-dark");
        ((ChromeDriver) browser).executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
    }

    @Test
    @Order(13)
    void forgedCrossSitePostIsRefused() throws IOException {
        HttpServer attacker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String target = server.base() + "/r/acme/app/-/v2/delete";
        byte[] page = ("<!DOCTYPE html><html lang=en><title>win a prize</title><form id=f method=post action='" + target
                + "'><button>Claim</button></form></html>").getBytes(StandardCharsets.UTF_8);
        attacker.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        attacker.start();
        try {
            browser.get("http://127.0.0.1:" + attacker.getAddress().getPort() + "/");
            browser.findElement(By.tagName("button")).click();
            wait.until(ExpectedConditions.titleIs("This form has expired — Wharf"));
            screenshot("forged-post-refused");
        } finally {
            attacker.stop(0);
        }
        open("/r/acme/app");
        assertThat(browser.findElements(By.linkText("v2"))).hasSize(1);
    }

    @Test
    @Order(14)
    void signOut() {
        open("/");
        find(By.cssSelector(".who button")).click();
        find(By.cssSelector(".who a.button"));
        assertThat(text()).contains("Sign in").doesNotContain("dana");
        open("/settings/tokens");
        wait.until(ExpectedConditions.titleIs("Sign in — Wharf"));
    }

    @Test
    @Order(15)
    void anonymousSeesPublicRepositoriesOnlyAndNeverAPrivateName() {
        browser.manage().deleteAllCookies();
        open("/");
        List<String> names = browser.findElements(By.cssSelector("table.list tbody th a")).stream()
                .map(WebElement::getText).toList();
        assertThat(names).containsExactly("acme/public-tool");
        page("explore-anonymous");
        for (String path : List.of("/?q=hidden", "/?q=app", "/?namespace=secretive", "/?sort=pushed",
                "/r/secretive/hidden-thing", "/r/secretive/hidden-thing/-/1", "/n/secretive", "/r/acme/app",
                "/r/acme/app/-/compare?from=v2&to=multi")) {
            open(path);
            String source = browser.getPageSource();
            assertThat(source).as(path).doesNotContain("hidden-thing").doesNotContain("acme/app<")
                    .doesNotContain("secretive/");
            assertThat(browser.getTitle()).as(path).doesNotContain("hidden").doesNotContain("acme/app");
        }
        open("/r/secretive/hidden-thing");
        assertThat(browser.getTitle()).isEqualTo("Not found — Wharf");
        page("private-repository-anonymous");
    }

    @Test
    @Order(16)
    void administrationPagesForAnAdmin() {
        open("/login");
        find(By.id("username")).sendKeys(RegistryServer.ADMIN);
        browser.findElement(By.id("password")).sendKeys(RegistryServer.ADMIN_PASSWORD);
        browser.findElement(By.cssSelector("form.card button[type=submit]")).click();
        find(By.cssSelector(".who .user"));
        open("/admin/users");
        assertThat(text()).contains("dana", "eve");
        page("admin-users");
        open("/admin/storage");
        assertThat(text()).contains("acme", "secretive");
        page("admin-storage");
        open("/admin/keys");
        assertThat(text()).contains("signing");
        page("admin-keys");
        open("/n");
        page("namespaces");
        open("/settings/tokens");
        find(By.cssSelector("details.create summary")).click();
        find(By.id("token-name")).sendKeys("laptop");
        browser.findElement(By.id("token-name")).submit();
        wait.until(ExpectedConditions.titleContains("Access token laptop created"));
        assertThat(find(By.id("secret-value")).getDomProperty("value")).startsWith("wharf_pat_");
        page("token-secret-once");
    }
}
