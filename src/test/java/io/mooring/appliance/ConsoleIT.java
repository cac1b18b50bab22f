package io.mooring.appliance;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
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
 * Issue 13's console proof with real parts only: the packaged appliance, Debian's Chromium driven headless through its
 * chromedriver, a volume attached with the real cinder CLI and qemu-io writing through the attachment's CHAP account.
 * The page signs in with the admin token, shows the attachment and its session, charts the writes, and detaches it
 * (Cancel first changes nothing); the session is then gone from the page and from GET /mooring/sessions, and qemu-io
 * can no longer log in. Screenshots go to target/service/console-screenshots/.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleIT {

    private static final String PROJECT = "0123456789abcdef0123456789abcdef";
    private static final String INITIATOR = "iqn.2024-01.test:console-host";
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private Appliance appliance;
    private String token;
    private WebDriver browser;
    private WebDriverWait wait;
    private Path screenshots;

    @BeforeAll
    void start() throws Exception {
        appliance = Appliance.fresh().start();
        token = appliance.adminToken();
        screenshots = Files.createDirectories(Path.of(System.getProperty("mooring.it.dir", "target/service/it"))
                .toAbsolutePath().getParent().resolve("console-screenshots"));
        // Debian's chromium and its chromedriver, named explicitly: Selenium Manager never runs, nothing is downloaded
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .withLogFile(appliance.workDir().resolve("chromedriver.log").toFile())
                .build();
        ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium").addArguments("--headless",
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1400,1200",
                "--user-data-dir=" + Files.createTempDirectory(appliance.workDir(), "chromium-profile-"));
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, PATIENCE, Duration.ofMillis(200));
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (browser != null) {
            browser.quit();
        }
        appliance.close();
    }

    @Test
    void signInWatchTheWritesAndDetachFromThePage() throws Exception {
        Attached attached = attachedVolume("console");
        String volumeId = attached.volumeId();
        Map<String, String> info = attached.info();
        String attachmentId = info.get("attachment_id");
        String targetIqn = info.get("target_iqn");
        assertThat(attachmentId).isNotBlank();

        signedOutConsole("/console");
        shoot("1-sign-in");
        browser.findElement(By.id("token")).sendKeys("not-the-token");
        browser.findElement(By.id("sign-in-button")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("sign-in-error"), "does not know this token"));
        browser.findElement(By.id("token")).sendKeys(token);
        browser.findElement(By.id("sign-in-button")).click();

        WebElement card = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("volume-" + volumeId)));
        assertThat(card.getText()).contains("console-vol", "1 GiB");
        WebElement row = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("attachment-" + attachmentId)));
        assertThat(row.getText()).contains("console-host", INITIATOR, "rw", "attaching");

        Process writer = new ProcessBuilder(qemuIoCommand(info, writeLoop())).redirectErrorStream(true)
                .redirectOutput(appliance.workDir().resolve("qemu-io-writer.log").toFile()).start();
        try {
            By session = By.cssSelector("#sessions tr.session[data-volume='" + volumeId + "']");
            WebElement sessionRow = wait.until(ExpectedConditions.visibilityOfElementLocated(session));
            assertThat(sessionRow.getText()).contains(INITIATOR, "127.0.0.1");
            wait.until(ExpectedConditions.attributeToBe(By.id("attachment-" + attachmentId), "data-sessions", "1"));
            By iops = By.id("chart-" + volumeId + "-iops");
            wait.until(d -> Double.parseDouble(d.findElement(iops).getDomAttribute("data-peak")) >= 20);
            wait.until(d -> Double.parseDouble(d.findElement(By.id("chart-" + volumeId + "-mibs")).getDomAttribute("data-peak")) > 0);
            wait.until(d -> Double.parseDouble(d.findElement(By.id("chart-" + volumeId + "-latency")).getDomAttribute("data-peak")) > 0);
            assertThat(browser.findElement(By.id("now-" + volumeId + "-iops")).getText()).matches("[0-9.]+");
            shoot("2-writing");

            browser.findElement(By.id("detach-" + attachmentId)).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
            assertThat(browser.findElement(By.id("confirm-text")).getText()).contains(attachmentId, INITIATOR);
            shoot("3-confirm-detach");
            browser.findElement(By.id("confirm-cancel")).click();
            wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("confirm")));
            Thread.sleep(2500); // a cancelled detach must still be nothing after a couple of frames
            assertThat(browser.findElements(By.id("attachment-" + attachmentId))).hasSize(1);
            assertThat(browser.findElements(session)).hasSize(1);
            assertThat(sessionsOn(targetIqn)).isEqualTo(1);
            assertThat(writer.isAlive()).as("the initiator still writes").isTrue();

            browser.findElement(By.id("detach-" + attachmentId)).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-ok"))).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("action-message"), "Attachment " + attachmentId + " deleted."));
            wait.until(ExpectedConditions.numberOfElementsToBe(By.id("attachment-" + attachmentId), 0));
            wait.until(ExpectedConditions.numberOfElementsToBe(session, 0));
            shoot("4-detached");
            assertThat(sessionsOn(targetIqn)).isZero();
            Thread.sleep(3000); // libiscsi reconnects on a lost session: the revoked account must keep it out
            assertThat(sessionsOn(targetIqn)).isZero();
            assertThat(browser.findElements(session)).isEmpty();
        } finally {
            writer.destroyForcibly();
        }
        Tools.Result again = Tools.run(qemuIoCommand(info, "read 0 4k"));
        assertThat(again.exitCode()).as("qemu-io logging in with the revoked account:\n" + again.output()).isNotZero();
        assertThat(again.output()).containsPattern("(?i)auth|log ?in");

        // Extend, behind the same dialog: Cancel leaves the size, OK shows what the API answered
        browser.findElement(By.id("extend-" + volumeId)).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-cancel"))).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("confirm")));
        browser.findElement(By.id("extend-" + volumeId)).click();
        WebElement size = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm-size")));
        size.clear();
        size.sendKeys("2");
        browser.findElement(By.id("confirm-ok")).click();
        WebElement message = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("action-message")));
        wait.until(d -> message.getText().startsWith("Extend"));
        shoot("5-extend");
        int apiSize = given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).header("OpenStack-API-Version", "volume 3.42")
                .get("/v3/" + PROJECT + "/volumes/" + volumeId).then().statusCode(200).extract().path("volume.size");
        if (message.getText().startsWith("Extend failed: ")) {
            assertThat(message.getText()).doesNotEndWith(": ");
            assertThat(apiSize).as("a refused extend changed nothing").isEqualTo(1);
        } else {
            wait.until(ExpectedConditions.attributeToBe(By.id("volume-" + volumeId), "data-size", "2"));
        }
    }

    @Test
    void swaggerUiWorksOfflineWithTheConsolesToken() throws Exception {
        signedOutConsole("/console/");
        browser.findElement(By.id("token")).sendKeys(token);
        browser.findElement(By.id("sign-in-button")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("api-link"))).click();
        wait.until(d -> d.getPageSource().contains("/mooring/console/feed"));
        assertThat(browser.getPageSource()).contains("/mooring/tokens", "/mooring/sessions", "Mooring admin API")
                .doesNotContain("/v3/{");
        shoot("6-swagger-ui");
    }

    @Test
    void whileTheDatabaseHangsThePageKeepsTheTargetsPartAndSaysSo() throws Exception {
        Attached attached = attachedVolume("outage");
        String volumeId = attached.volumeId();
        Map<String, String> info = attached.info();
        signedOutConsole("/console/");
        browser.findElement(By.id("token")).sendKeys(token);
        browser.findElement(By.id("sign-in-button")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("volume-" + volumeId)));
        Process writer = new ProcessBuilder(qemuIoCommand(info, writeLoop())).redirectErrorStream(true)
                .redirectOutput(appliance.workDir().resolve("qemu-io-outage.log").toFile()).start();
        List<Long> postgres = List.of();
        try {
            By session = By.cssSelector("#sessions tr.session[data-volume='" + volumeId + "']");
            wait.until(ExpectedConditions.visibilityOfElementLocated(session));
            // the postmaster, then every backend it forked, stopped: queries hang (nothing exits, so the supervisor
            // sees nothing); children by parent pid, since a long data directory path is cut from their titles
            long postmaster = appliance.postmasterPid();
            signal("-STOP", List.of(postmaster));
            postgres = new ArrayList<>(List.of(postmaster));
            Tools.run(List.of("pgrep", "-P", Long.toString(postmaster))).output().lines()
                    .map(String::trim).filter(line -> !line.isEmpty()).map(Long::valueOf).forEach(postgres::add);
            signal("-STOP", postgres);
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("database-state"), "database unavailable"));
            By iops = By.id("chart-" + volumeId + "-iops");
            long outageFrames = 0;
            for (int i = 0; i < 20 && outageFrames < 3; i++) {
                Thread.sleep(1000);
                if (Double.parseDouble(browser.findElement(iops).getDomAttribute("data-latest")) > 0) {
                    outageFrames++;
                }
            }
            assertThat(outageFrames).as("seconds with writes charted while the database hangs").isGreaterThanOrEqualTo(3);
            assertThat(browser.findElement(By.id("database-state")).getText()).contains("as of");
            assertThat(browser.findElements(session)).hasSize(1);
            assertThat(browser.findElement(By.id("volume-" + volumeId)).getText()).contains("outage-vol");
            shoot("7-database-unavailable");
        } finally {
            signal("-CONT", postgres);
            writer.destroyForcibly();
        }
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("database-state")));
        assertThat(Files.readAllLines(appliance.log())).as("nothing logged per frame")
                .noneMatch(line -> line.contains("ConsoleFeed") || line.contains("console feed"));
    }

    private static void signal(String signal, List<Long> pids) throws IOException, InterruptedException {
        if (!pids.isEmpty()) {
            List<String> command = new ArrayList<>(List.of("kill", signal));
            pids.forEach(pid -> command.add(pid.toString()));
            Tools.run(command).requireSuccess();
        }
    }

    /** The console at {@code path} in this tab, with no token left from another test. */
    /** A volume created and attached to {@link #INITIATOR} with the cinder CLI, and the connection info it printed. */
    private record Attached(String volumeId, Map<String, String> info) {
    }

    private Attached attachedVolume(String name) throws IOException, InterruptedException {
        String volumeId = Tools.propertyTable(cinder(null, "create", "1", "--name", name + "-vol").requireSuccess().output()).get("id");
        Map<String, String> info = Tools.propertyTable(cinder("3.54", "attachment-create", "--connect", "True",
                "--initiator", INITIATOR, "--ip", "127.0.0.1", "--host", name + "-host", volumeId,
                UUID.randomUUID().toString()).requireSuccess().output());
        return new Attached(volumeId, info);
    }

    private void signedOutConsole(String path) {
        browser.get(appliance.baseUrl() + path);
        ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
    }

    private void shoot(String name) throws IOException {
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(screenshots.resolve(name + ".png"), png);
    }

    private int sessionsOn(String targetIqn) {
        return given().baseUri(appliance.baseUrl()).header("X-Auth-Token", token).queryParam("target", targetIqn)
                .get("/mooring/sessions").then().statusCode(200).extract().jsonPath().getList("sessions").size();
    }

    /** At most 100 writes a second for 40 s or more: enough to chart, little for a 2-core machine. */
    private static String[] writeLoop() {
        List<String> commands = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            commands.add("write -P 0x5a " + (i % 64) * 65536 + " 64k");
            if (i % 10 == 9) {
                commands.add("sleep 100");
            }
        }
        return commands.toArray(String[]::new);
    }

    private Tools.Result cinder(String microversion, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (microversion != null) {
            command.addAll(List.of("--os-volume-api-version", microversion));
        }
        command.addAll(List.of(args));
        return Tools.cinder(appliance.baseUrl(), token, PROJECT, command.toArray(String[]::new));
    }

    /** qemu-io over libiscsi with the attachment's CHAP account (the password in a file, not on the command line). */
    private List<String> qemuIoCommand(Map<String, String> info, String... commands) throws IOException {
        return Tools.qemuIoCommand(appliance.workDir(), info.get("target_portal"), info.get("target_iqn"), info.get("auth_username"),
                info.get("auth_password"), INITIATOR, commands);
    }
}
