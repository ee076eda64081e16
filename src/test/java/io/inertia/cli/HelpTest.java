package io.inertia.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inertia.config.InertiaConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Every command's --help lists every option with its default; the learner options' defaults are the config's. */
class HelpTest {

    private static final Pattern KEY_DEFAULT = Pattern.compile("\\((inertia\\.[a-z0-9.-]+); default ([^)]+)\\)");

    @Test
    void shouldStateTheDefaultOfEveryOptionOfEveryCommand() {
        CommandLine inertia = new CommandLine(new InertiaCommand());
        List<String> missing = new ArrayList<>();
        for (CommandLine command : inertia.getSubcommands().values()) {
            if (command.getCommandName().equals("help")) {
                continue;
            }
            String help = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
            for (OptionSpec option : command.getCommandSpec().options()) {
                assertTrue(help.contains(option.longestName()), command.getCommandName() + " --help lists "
                        + option.longestName());
                if (option.usageHelp() || option.versionHelp()) {
                    continue;
                }
                String description = String.join(" ", option.description()).toLowerCase(Locale.ROOT);
                boolean flag = option.type() == boolean.class || option.type() == Boolean.class;
                if (!flag && !description.contains("default") && !description.contains("required")) {
                    missing.add(command.getCommandName() + " " + option.longestName());
                }
            }
        }
        assertEquals(List.of(), missing, "options whose --help does not say their default");
    }

    @Test
    void shouldStateTheConfigurationsOwnDefaultForEveryLearnerOption() {
        StringBuilder descriptions = new StringBuilder();
        for (OptionSpec option : new CommandLine(new InertiaCommand()).getSubcommands().get("run").getCommandSpec()
                .options()) {
            descriptions.append(String.join(" ", option.description())).append('\n');
        }
        Matcher stated = KEY_DEFAULT.matcher(descriptions);
        int checked = 0;
        while (stated.find()) {
            String key = stated.group(1);
            InertiaConfig.Key setting = java.util.Arrays.stream(InertiaConfig.Key.values())
                    .filter(k -> k.key().equals(key)).findFirst().orElseThrow(() -> new AssertionError(key));
            assertEquals(setting.defaultValue(), stated.group(2).trim(), key);
            checked++;
        }
        assertTrue(checked >= 20, checked + " learner options state (inertia.key; default value)");
    }

    @Test
    void shouldPrintHelpForEveryCommandAndExit0() {
        for (String command : List.of("replay", "compare", "run", "produce", "snapshots", "generate", "check")) {
            StringWriter out = new StringWriter();
            CommandLine line = new CommandLine(new InertiaCommand());
            line.setOut(new PrintWriter(out));
            assertEquals(0, line.execute(command, "--help"), command);
            assertTrue(out.toString().startsWith("Usage: inertia " + command), out.toString());
        }
    }

    @Test
    void shouldDocumentEveryOptionOfEveryCommandInTheReadme() throws Exception {
        String readme = java.nio.file.Files.readString(java.nio.file.Path.of("README.md"));
        List<String> missing = new ArrayList<>();
        for (CommandLine command : new CommandLine(new InertiaCommand()).getSubcommands().values()) {
            if (command.getCommandName().equals("help")) {
                continue;
            }
            assertTrue(readme.contains("`" + command.getCommandName() + " "), "README documents "
                    + command.getCommandName());
            for (OptionSpec option : command.getCommandSpec().options()) {
                if (!Pattern.compile("(?<![\\w-])" + Pattern.quote(option.longestName()) + "(?![\\w-])").matcher(readme)
                        .find()) {
                    missing.add(command.getCommandName() + " " + option.longestName());
                }
            }
        }
        assertEquals(List.of(), missing, "options the README does not mention");
    }
}
