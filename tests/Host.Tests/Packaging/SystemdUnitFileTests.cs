namespace CertConnector.Host.Tests.Packaging;

/// <summary>The unit the package installs (packaging/certconnector.service), read as systemd reads it; no root, no install.</summary>
public sealed class SystemdUnitFileTests
{
    private static readonly string UnitFile = Path.Combine(DebianPackageTests.Repository, "packaging/certconnector.service");
    private readonly SystemdUnit _unit = SystemdUnit.Parse(File.ReadAllText(UnitFile));

    [Fact]
    public void The_service_runs_as_its_own_user_on_the_package_paths_and_tells_systemd_when_it_is_ready()
    {
        Assert.Equal("notify", _unit.Value("Type"));
        Assert.Equal("certconnector", _unit.Value("User"));
        Assert.Equal("on-failure", _unit.Value("Restart"));
        Assert.Equal("2", _unit.Value("RestartPreventExitStatus")); // a mistyped setting: restarting cannot help
        Assert.Equal(["/usr/lib/certconnector/certconnector", "run", "--data-dir", "/var/lib/certconnector", "--settings", "/etc/certconnector/certconnector.json"],
            _unit.ExecStart);
        Assert.Equal("-/etc/certconnector/secrets.env", _unit.Value("EnvironmentFile"));
    }

    [Fact]
    public void The_sandbox_leaves_only_the_data_directory_writable_and_no_capabilities()
    {
        Assert.Equal("yes", _unit.Value("NoNewPrivileges"));
        Assert.Equal("strict", _unit.Value("ProtectSystem"));
        Assert.Equal("yes", _unit.Value("ProtectHome"));
        Assert.Equal("yes", _unit.Value("PrivateTmp"));
        Assert.Equal("/var/lib/certconnector", _unit.Value("ReadWritePaths"));
        Assert.Equal("", _unit.Value("CapabilityBoundingSet"));
        Assert.Equal("", _unit.Value("AmbientCapabilities"));
        // The .NET JIT writes code at run time: W^X enforcement would stop the runtime.
        Assert.Empty(_unit.Values("MemoryDenyWriteExecute"));
    }

    [Fact]
    public void Systemd_scores_the_hardening_as_OK()
    {
        // Exposure 0 (safest) to 10; --threshold in tenths: the command fails above 2.5 (1.9 today).
        Tools.Run("systemd-analyze", "security", "--offline=true", "--threshold=25", UnitFile);
    }
}
