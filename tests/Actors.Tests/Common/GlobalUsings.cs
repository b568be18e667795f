// Fakes of the ports and the request-actor test kit every feature folder uses (tests/Actors.Tests/Common).
global using CertConnector.Actors.Tests.Common;
