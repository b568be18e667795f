using CertConnector.Actors.Ports;
using System.Diagnostics;
using System.Text;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Ca.Scep;

/// <summary>
/// Where the upstream's challenge password comes from: a fixed one, or a program that prints a fresh one-time challenge
/// (NDES hands one out per visit of mscep_admin). The program is bounded in time and output; the challenge is never logged.
/// </summary>
public sealed class UpstreamChallengeSource(UpstreamScepOptions options) : ICsrChallengeSource
{
    public const string UnavailableCode = "UpstreamChallengeUnavailable";

    public bool Configured => options.Challenge is not null || options.ChallengeCommand is not null;

    /// <summary>Null when no challenge is configured.</summary>
    public async Task<string?> NextAsync(CancellationToken cancellationToken)
    {
        if (options.ChallengeCommand is null) return options.Challenge;
        var command = options.ChallengeCommand;
        var start = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in options.ChallengeArguments) start.ArgumentList.Add(argument);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e)
        {
            throw Unavailable($"the challenge command '{command}' could not be started: {e.Message}");
        }
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ChallengeCommandTimeout);
        try
        {
            var stderr = ReadBoundedAsync(process.StandardError.BaseStream, 512, drain: true, timeout.Token);
            var (output, tooLong) = await ReadBoundedAsync(process.StandardOutput.BaseStream, options.ChallengeMaxBytes, drain: false, timeout.Token)
                .ConfigureAwait(false);
            if (tooLong)
                throw Unavailable($"the challenge command '{command}' printed more than {options.ChallengeMaxBytes} bytes; that is not a challenge");
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            var (errors, _) = await stderr.ConfigureAwait(false);
            if (process.ExitCode != 0)
                throw Unavailable($"the challenge command '{command}' exited with code {process.ExitCode}: {OneLine(errors)}");
            var challenge = output.Split('\n', 2)[0].Trim();
            if (challenge.Length == 0) throw Unavailable($"the challenge command '{command}' printed no challenge");
            return challenge;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable($"the challenge command '{command}' did not finish within {options.ChallengeCommandTimeout.TotalSeconds:0.#} s");
        }
        finally
        {
            if (!process.HasExited) Kill(process);
        }
    }

    /// <summary>The first <paramref name="limit"/> bytes, and whether there were more; with <paramref name="drain"/> the rest is
    /// read and dropped (a program blocked on a full pipe never ends).</summary>
    private static async Task<(string Text, bool TooLong)> ReadBoundedAsync(Stream stream, int limit, bool drain, CancellationToken cancellationToken)
    {
        var buffer = new byte[limit + 1];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0) return (Encoding.UTF8.GetString(buffer, 0, length), false);
            length += read;
        }
        if (drain)
        {
            var sink = new byte[4096];
            while (await stream.ReadAsync(sink, cancellationToken).ConfigureAwait(false) > 0) { }
        }
        return (Encoding.UTF8.GetString(buffer, 0, limit), true);
    }

    private static string OneLine(string? text) => string.IsNullOrWhiteSpace(text) ? "(no error output)" : text.ReplaceLineEndings(" ").Trim();

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended on its own meanwhile.
        }
    }

    private static ConnectorFailureException Unavailable(string why) =>
        ConnectorFailureException.Transient(UnavailableCode, $"No challenge for the upstream SCEP CA: {why}.");
}
