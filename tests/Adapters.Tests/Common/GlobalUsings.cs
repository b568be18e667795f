// Test keys, CAs and a manual clock every folder uses (tests/Adapters.Tests/Common).
global using CertConnector.Adapters.Tests.Common;
