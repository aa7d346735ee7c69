import Foundation
import Testing

@Suite("deploy/ units and examples")
struct UnitSettingsTests {
    /// The sandboxing both units must have, with its value.
    static let sandboxing: [(key: String, value: String)] = [
        ("DynamicUser", "yes"),
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
        ("AmbientCapabilities", ""),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("PrivateMounts", "yes"),
        ("ProtectProc", "invisible"),
        ("ProtectKernelTunables", "yes"),
        ("ProtectKernelModules", "yes"),
        ("ProtectKernelLogs", "yes"),
        ("ProtectControlGroups", "yes"),
        ("ProtectClock", "yes"),
        ("ProtectHostname", "yes"),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("RestrictNamespaces", "yes"),
        ("RestrictRealtime", "yes"),
        ("RestrictSUIDSGID", "yes"),
        ("LockPersonality", "yes"),
        ("MemoryDenyWriteExecute", "yes"),
        ("RemoveIPC", "yes"),
        ("SystemCallArchitectures", "native"),
        ("UMask", "0077"),
    ]

    static let units = [Deployment.coordinatorUnit, Deployment.workerTemplate]

    @Test("each unit has [Unit], [Service] and [Install], restarts on failure and is wanted by multi-user.target",
          arguments: units)
    func basics(name: String) throws {
        let unit = try Deployment.unit(name)
        #expect(unit.sections == ["Unit", "Service", "Install"], "\(name)")
        #expect(unit.value("Description", in: "Unit")?.isEmpty == false, "\(name)")
        #expect(unit.value("Restart") == "on-failure", "\(name)")
        // ArgumentParser's exit status for a configuration error.
        #expect(unit.value("RestartPreventExitStatus") == "64", "\(name)")
        #expect(unit.value("Type") == "exec", "\(name)")
        #expect(unit.value("KillSignal") == "SIGTERM", "\(name)")
        #expect(unit.value("WantedBy", in: "Install") == "multi-user.target", "\(name)")
        #expect(unit.values("ExecStart").count == 1, "\(name)")
    }

    @Test("each unit is sandboxed", arguments: units)
    func sandboxed(name: String) throws {
        let unit = try Deployment.unit(name)
        for (key, value) in Self.sandboxing {
            #expect(unit.value(key) == value, "\(name): \(key)=\(unit.value(key) ?? "(missing)"), want \(key)=\(value)")
        }
        // An allow-list of the usual service calls, less the privileged and
        // resource-changing ones; other calls fail with EPERM.
        #expect(unit.values("SystemCallFilter") == ["@system-service", "~@privileged @resources"], "\(name)")
        #expect(unit.value("SystemCallErrorNumber") == "EPERM", "\(name)")
        // Nothing in the sandbox is undone by a later setting.
        #expect(unit.value("User") == nil && unit.value("PermissionsStartOnly") == nil, "\(name)")
        #expect(unit.values("ReadWritePaths").isEmpty, "\(name): the units write only to their StateDirectory")
    }

    @Test("the coordinator runs the installed binary on /etc/gvm/coordinator.json, with its state in /var/lib/gvm")
    func coordinator() throws {
        let unit = try Deployment.unit(Deployment.coordinatorUnit)
        #expect(unit.value("ExecStart") == "/usr/local/bin/gvm-coordinator serve --config /etc/gvm/coordinator.json")
        #expect(unit.value("StateDirectory") == "gvm")
        #expect(unit.value("StateDirectoryMode") == "0700")
        let stop = try #require(unit.value("TimeoutStopSec").flatMap(Deployment.seconds))
        #expect(stop >= 10, "the coordinator needs a few seconds to finish the requests in flight")
    }

    @Test("the worker template reads /etc/gvm/worker-%i.env and is named after the host and the instance")
    func worker() throws {
        let unit = try Deployment.unit(Deployment.workerTemplate)
        #expect(unit.value("EnvironmentFile") == "/etc/gvm/worker-%i.env")
        #expect(unit.value("StateDirectory") == nil, "the worker keeps no state")
        let exec = try #require(unit.value("ExecStart"))
        #expect(exec.hasPrefix("/usr/local/bin/gvm-worker run "))
        for flag in ["--coordinator ${GVM_COORDINATOR}", "--endpoint ${GVM_ENDPOINT}", "--model ${GVM_MODEL}",
                     "--concurrency ${GVM_CONCURRENCY}", "--backend ${GVM_BACKEND}", "--name %H-%i"] {
            #expect(exec.contains(flag), "ExecStart lacks \(flag)")
        }
        let stop = try #require(unit.value("TimeoutStopSec").flatMap(Deployment.seconds))
        #expect(stop >= Deployment.workerDefaultShutdownGraceSeconds + 15,
                "TimeoutStopSec=\(stop)s leaves too little beyond the \(Deployment.workerDefaultShutdownGraceSeconds)s shutdown grace")
        let ordering = unit.values("After", in: "Unit").flatMap { $0.split(separator: " ").map(String.init) }
        #expect(ordering.contains("network-online.target") && ordering.contains("gvm-coordinator.service"))
        #expect(unit.values("Wants", in: "Unit") == ["network-online.target"])
    }

    @Test("worker.env.example sets every variable the worker's ExecStart uses")
    func workerEnvironment() throws {
        let unit = try Deployment.unit(Deployment.workerTemplate)
        let environment = try Deployment.workerEnvironment(
            unit: unit, environmentFile: try Deployment.text("worker.env.example"))
        let arguments = try ExecLine.expand(
            try #require(unit.value("ExecStart")), environment: environment, hostName: "node1", instance: "gpu0")
        #expect(arguments == [
            "/usr/local/bin/gvm-worker", "run",
            "--coordinator", "http://127.0.0.1:8420",
            "--backend", "openai",
            "--endpoint", "http://127.0.0.1:8000/v1",
            "--model", "Qwen/Qwen2.5-Math-1.5B-Instruct",
            "--concurrency", "8",
            "--name", "node1-gpu0",
        ])
    }

    @Test("the defaults in Environment= make GVM_BACKEND, GVM_CONCURRENCY and GVM_ARGS optional")
    func workerDefaults() throws {
        let unit = try Deployment.unit(Deployment.workerTemplate)
        let minimal = """
            GVM_COORDINATOR=http://coordinator:8420
            GVM_ENDPOINT=http://127.0.0.1:8001/v1
            GVM_MODEL=m
            """
        let environment = try Deployment.workerEnvironment(unit: unit, environmentFile: minimal)
        let arguments = try ExecLine.expand(
            try #require(unit.value("ExecStart")), environment: environment, hostName: "h", instance: "1")
        #expect(arguments.suffix(6) == ["--model", "m", "--concurrency", "1", "--name", "h-1"])
        #expect(arguments.contains("openai"))

        let extra = try Deployment.workerEnvironment(
            unit: unit, environmentFile: minimal + "\nGVM_ARGS=--shutdown-grace 10 --log-level debug\n")
        let withExtra = try ExecLine.expand(
            try #require(unit.value("ExecStart")), environment: extra, hostName: "h", instance: "1")
        #expect(withExtra.suffix(4) == ["--shutdown-grace", "10", "--log-level", "debug"])
    }

    @Test("coordinator.json.example keeps the database in the StateDirectory and uses only known keys")
    func coordinatorExample() throws {
        let data = try Data(contentsOf: Deployment.url("coordinator.json.example"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys).isSubset(of: ["db", "host", "port", "logLevel"]))
        let state = try #require(try Deployment.unit(Deployment.coordinatorUnit).value("StateDirectory"))
        #expect(object["db"] as? String == "/var/lib/\(state)/gvm.sqlite")
        #expect(object["host"] as? String == "127.0.0.1")
        #expect(object["port"] as? Int == 8420)
    }

    @Test("worker.json.example keeps its shutdown grace below TimeoutStopSec")
    func workerExampleGrace() throws {
        let data = try Data(contentsOf: Deployment.url("worker.json.example"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let grace = try #require(object["shutdownGraceSeconds"] as? Double)
        let stop = try #require(try Deployment.unit(Deployment.workerTemplate).value("TimeoutStopSec").flatMap(Deployment.seconds))
        #expect(grace < stop)
    }

    @Test("the parser reads sections, repeated keys, comments and continued lines")
    func parser() throws {
        let unit = try UnitFile(text: """
            # comment
            [Unit]
            After=a.target
            After=b.target

            [Service]
            ; another comment
            ExecStart=/bin/x \\
              --flag value
            Empty=
            """)
        #expect(unit.values("After", in: "Unit") == ["a.target", "b.target"])
        #expect(unit.value("ExecStart") == "/bin/x  --flag value")
        #expect(unit.value("Empty") == "")
        #expect(unit.value("Missing") == nil)
        #expect(throws: UnitFile.SyntaxError.self) { try UnitFile(text: "Key=value\n") }
        #expect(throws: UnitFile.SyntaxError.self) { try UnitFile(text: "[Service]\nno equals sign\n") }
        #expect(Deployment.seconds("30s") == 30)
        #expect(Deployment.seconds("1min 30s") == 90)
        #expect(Deployment.seconds("45") == 45)
        #expect(Deployment.seconds("soon") == nil)
    }
}
