package io.inertia.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real headless Chromium (found or installed by {@code scripts/ensure-chromium.sh}) that loads a page, runs its
 * scripts for a few seconds of virtual time and gives its DOM or a screenshot; a test is skipped where there is none.
 */
final class HeadlessChromium {

    private final List<String> common;
    private final Path work;

    private HeadlessChromium(String binary, Path work) {
        this.work = work;
        this.common = List.of(binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--user-data-dir=" + work.resolve("chromium-profile"), "--window-size=1200,900",
                "--virtual-time-budget=8000");
    }

    /** The browser, its profile and logs in {@code work}; skips the calling test when there is none. */
    static HeadlessChromium orSkip(Path work) throws Exception {
        Found found = find(work);
        found.skipUnlessPresent();
        return found.browser();
    }

    /** The browser (null when there is none, with {@code why}), for a test that has more to check without it. */
    static Found find(Path work) throws Exception {
        Process ensure = new ProcessBuilder("scripts/ensure-chromium.sh").redirectErrorStream(false).start();
        String chromium = new String(ensure.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String why = new String(ensure.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        boolean present = ensure.waitFor() == 0 && !chromium.isEmpty();
        return new Found(present ? new HeadlessChromium(chromium, work) : null, why);
    }

    /** What {@link #find} found: the browser or null, and why not. */
    record Found(HeadlessChromium browser, String why) {
        /** Skips the calling test, saying why, when there is no browser. */
        void skipUnlessPresent() {
            Assumptions.assumeTrue(browser != null, "browser test skipped: " + why);
        }
    }

    /** The DOM of {@code page} once its scripts ran. */
    String dumpDom(String page) throws Exception {
        List<String> command = new ArrayList<>(common);
        command.addAll(List.of("--dump-dom", page));
        return run(command, work.resolve("dom.log"));
    }

    /** Saves a screenshot of {@code page} to {@code shot} (PNG). */
    void screenshot(String page, Path shot) throws Exception {
        List<String> command = new ArrayList<>(common);
        command.addAll(List.of("--screenshot=" + shot, page));
        run(command, work.resolve("screenshot.log"));
    }

    private static String run(List<String> command, Path log) throws Exception {
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "chromium did not finish");
        assertEquals(0, process.exitValue(), "chromium failed: " + Files.readString(log));
        return out;
    }
}
