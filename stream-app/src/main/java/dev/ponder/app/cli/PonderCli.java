package dev.ponder.app.cli;

import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `ponder` command line: one subcommand per job, each with its own --help. */
@Command(name = "ponder",
        mixinStandardHelpOptions = true,
        versionProvider = PonderCli.Version.class,
        description = "Kafka-native batch reasoning service with an embedded pure-Java Qwen2 engine.",
        subcommands = {
                InspectCommand.class,
                TokenizeCommand.class,
                GenerateCommand.class,
                RenderCommand.class,
                BenchCommand.class,
                DemoCommand.class,
                RunCommand.class,
                SubmitCommand.class,
                TailCommand.class,
                CommandLine.HelpCommand.class
        })
public final class PonderCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by main and the tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new PonderCli());
        cli.setExecutionExceptionHandler(new FriendlyErrors());
        return cli;
    }

    /** Shows expected failures (bad files, bad arguments) as one clear line instead of a stack trace. */
    static final class FriendlyErrors implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
            cmd.getErr().println("ponder " + cmd.getCommandName() + ": " + describe(e));
            if (Boolean.getBoolean("ponder.debug")) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        }

        private static String describe(Throwable e) {
            if (e instanceof NoSuchFileException nsf) {
                return "no such file: " + nsf.getFile();
            }
            String message = e.getMessage();
            return message == null ? e.getClass().getSimpleName() : message;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = PonderCli.class.getPackage().getImplementationVersion();
            return new String[] {"ponder " + (v == null ? "(development build)" : v),
                    "JVM " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
