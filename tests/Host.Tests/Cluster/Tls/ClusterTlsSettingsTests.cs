using Akka.Configuration;

namespace CertConnector.Host.Tests.Cluster.Tls;

public sealed class ClusterTlsSettingsTests
{
    [Fact]
    public void The_operator_s_HOCON_cannot_turn_TLS_off_and_documented_seed_addresses_move_to_the_TLS_scheme()
    {
        var operatorConfig = ConfigurationFactory.ParseString("""
            akka.remote.dot-netty.tcp { enable-ssl = off, hostname = "10.0.0.5", port = 4053 }
            akka.cluster.seed-nodes = ["akka.tcp://certconnector@10.0.0.5:4053", "akka.ssl.tcp://certconnector@10.0.0.6:4053"]
            """);

        var config = Composition.ClusterTls.Enforce(operatorConfig);

        Assert.True(config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal(["akka.ssl.tcp://certconnector@10.0.0.5:4053", "akka.ssl.tcp://certconnector@10.0.0.6:4053"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal(4053, config.GetInt("akka.remote.dot-netty.tcp.port")); // the rest is the operator's
    }

    [Fact]
    public void No_seed_nodes_stay_none()
    {
        var config = Composition.ClusterTls.Enforce(ConfigurationFactory.ParseString("akka.cluster.seed-nodes = []"));
        Assert.Empty(config.GetStringList("akka.cluster.seed-nodes"));
        Assert.True(config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
    }
}
