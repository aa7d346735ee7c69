import Foundation
import Hummingbird
import Shared

/// `/v1/datasets`: import a JSONL prompt set (the body, as is) and list them.
struct DatasetRoutes<Context: RequestContext> {
    let store: any CoordinatorStore
    static var maxDatasetBytes: Int { 512 << 20 }

    func register(on router: Router<Context>) {
        let datasets = router.group("v1/datasets")
        // POST /v1/datasets?name=math500[&problemField=..&answerField=..&answerFromLastBox=true]
        datasets.post { request, _ in
            let query = request.uri.queryParameters
            guard let name = query["name"].map(String.init), !name.isEmpty else {
                throw CoordinatorError.invalid(field: "name", "the query parameter name is required")
            }
            do throws(FieldError) {
                try WireText.checkName(name, field: "name")
            } catch {
                throw CoordinatorError.invalid(error)
            }
            var options = DatasetImportOptions()
            if let field = query["problemField"] { options.problemField = String(field) }
            if let field = query["answerField"] { options.answerField = String(field) }
            if let flag = query["answerFromLastBox"] {
                guard let value = Bool(String(flag)) else {
                    throw CoordinatorError.invalid(field: "answerFromLastBox", "must be true or false, got \(flag)")
                }
                options.answerFromLastBox = value
            }
            let body = try await JSONResponses.body(of: request, limit: Self.maxDatasetBytes)
            let parsed = try DatasetParser.parse(name: name, jsonl: body, options: options)
            let summary = try await store.importDataset(parsed, now: Date())
            return try JSONResponses.ok(summary, status: summary.created ? .created : .ok)
        }
        datasets.get { _, _ in
            try JSONResponses.ok(["datasets": try await store.datasets()])
        }
    }
}
