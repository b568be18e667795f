namespace CertConnector.Host.Tests.Features.Skeleton;

/// <summary>The skeleton feature's settings section, <c>Connector:Skeleton</c>: the feature owns it, the central options class does not name it.</summary>
public sealed class SkeletonOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>What its device-facing route answers: shows the section was bound from the command line.</summary>
    public string Greeting { get; set; } = "hello";

    /// <summary>Where devices reach it: the shared device-facing listener, so it must name the same address as SCEP's.</summary>
    public string DeviceUrl { get; set; } = "http://127.0.0.1:8080";
}
