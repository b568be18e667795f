using Akka.Configuration;
using CertConnector.Actors.Cluster;
using CertConnector.Host.Composition;

namespace CertConnector.Host.Tests.Cluster;

/// <summary>Every member carries <c>instance:&lt;id&gt;</c> beside its feature roles; operators see the features only.</summary>
public sealed class InstanceRoleTests
{
    [Fact]
    public void The_instance_role_is_added_to_the_configured_roles()
    {
        var config = InstanceRoles.WithInstanceRole(ConfigurationFactory.ParseString("""
            akka.cluster.roles = ["pkcs", "scep"]
            akka.cluster.app-version = "1.2.3"
            """), "0123456789abcdef0123456789abcdef");
        Assert.Equal(["pkcs", "scep", "instance:0123456789abcdef0123456789abcdef"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal("1.2.3", config.GetString("akka.cluster.app-version")); // the rest stays
        Assert.Equal(["instance:x"], InstanceRoles.WithInstanceRole(ConfigurationFactory.Empty, "x").GetStringList("akka.cluster.roles"));
    }

    [Fact]
    public void The_instance_id_is_read_back_from_the_roles_and_kept_out_of_the_feature_roles()
    {
        string[] roles = ["revocation", InstanceRole.For("a:b c\"d"), "pkcs"];
        Assert.Equal("a:b c\"d", InstanceRole.InstanceIdOf(roles));
        Assert.Equal(["revocation", "pkcs"], InstanceRole.FeatureRoles(roles));
        Assert.Null(InstanceRole.InstanceIdOf(["pkcs"]));
        var quoted = InstanceRoles.WithInstanceRole(ConfigurationFactory.Empty, "a:b c\"d");
        Assert.Equal("a:b c\"d", InstanceRole.InstanceIdOf(quoted.GetStringList("akka.cluster.roles")));
    }
}
