using System.Text.Json;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Transport.DotNetty;
using CertConnector.Actors.Logging;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Composition;

/// <summary>
/// Mutual TLS on the cluster transport, for every node: a peer that cannot show one of our remoting certificates gets
/// no byte of Akka protocol through, in either direction. The certificate and the validator are handed to Akka in
/// code (<see cref="DotNettySslSetup"/>), so no key is ever a file Akka reads and no HOCON setting can weaken the check.
/// </summary>
public static class ClusterTls
{
    /// <summary>
    /// What the operator's HOCON cannot turn off: TLS on, and seed nodes in the TLS scheme (akka.ssl.tcp), so the
    /// documented <c>akka.tcp://certconnector@host:port</c> form keeps working.
    /// </summary>
    public static Config Enforce(Config config)
    {
        var seeds = config.HasPath("akka.cluster.seed-nodes") ? config.GetStringList("akka.cluster.seed-nodes") : [];
        var rewritten = seeds.Select(s => s.StartsWith("akka.tcp://", StringComparison.Ordinal) ? "akka.ssl.tcp://" + s["akka.tcp://".Length..] : s);
        return ConfigurationFactory.ParseString(
                "akka.remote.dot-netty.tcp.enable-ssl = on\n" +
                $"akka.cluster.seed-nodes = [{string.Join(", ", rewritten.Select(s => JsonSerializer.Serialize(s)))}]\n")
            .WithFallback(config);
    }

    /// <summary>
    /// A cluster (shared PostgreSQL database): a member certificate from the built-in CA, for this process only. The
    /// single node: its own self-signed certificate, pinned.
    /// </summary>
    public static AkkaConfigurationBuilder AddClusterTls(this AkkaConfigurationBuilder builder, IServiceProvider sp, ConnectorOptions options)
    {
        var ca = sp.GetRequiredService<BuiltInCa>();
        var time = sp.GetRequiredService<TimeProvider>();
        var own = options.Database.IsPostgres ? ca.IssueClusterMemberCredentials(options.Instance) : ca.OpenOrCreateEmbeddedRemotingCredentials();
        var refusals = new ClusterPeerRefusals(sp.GetRequiredService<IConnectorEventLog>());
        CertificateValidationCallback validator = (certificate, _, peer, _, _) =>
        {
            var refusal = RemotingPeerCheck.Refusal(certificate, own, time.GetUtcNow());
            if (refusal is not null) refusals.Refused(peer, refusal);
            return refusal is null;
        };
        var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClusterTls));
        var notAfter = new DateTimeOffset(own.Certificate.NotAfter.ToUniversalTime());
        logger.LogInformation("Cluster transport: mutual TLS, this node's certificate {Thumbprint} valid until {NotAfter:u}{Identity}",
            own.Certificate.Thumbprint, notAfter, own.ConnectorId is null ? " (single node: only this certificate is accepted)" : $", connector {own.ConnectorId}");
        return builder
            .AddSetup(new DotNettySslSetup(own.Certificate, suppressValidation: false, requireMutualAuthentication: true, validateCertificateHostname: false, validator))
            .WithActors((system, _) =>
            {
                system.ActorOf(Akka.Actor.Props.Create(() => new ClusterPeerRefusalListener(refusals)), "cluster-tls-refusals");
                // The certificate cannot be replaced under a running actor system: say so before peers start refusing it.
                var warnAt = notAfter - TimeSpan.FromDays(3);
                if (options.Database.IsPostgres)
                    system.Scheduler.Advanced.ScheduleOnce(Max(warnAt - time.GetUtcNow(), TimeSpan.Zero), () =>
                    {
                        if (time.GetUtcNow() < warnAt) return; // the scheduler runs what is left when the system stops: not due yet
                        logger.LogWarning("This node's cluster certificate expires at {NotAfter:u}: restart the instance before then (a restart issues a new one); " +
                                          "after it, the other members refuse its new connections", notAfter);
                    });
            });
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
