import Foundation
import Hummingbird
import Shared

/// `POST /v1/datasets`: import a JSONL prompt set (the body, as is, streamed
/// through a temporary file).
struct DatasetImportRoutes<Context: RequestContext> {
    let store: any CoordinatorStore
    static var maxDatasetBytes: Int { 512 << 20 }
    /// One import per name at a time.
    let names = DatasetNameGate()

    func addRoutes(to group: RouterGroup<Context>) {
        // POST /v1/datasets?name=math500[&problemField=..&answerField=..&answerFromLastBox=true]
        group.post("v1/datasets") { request, _ in
            let query = request.uri.queryParameters
            guard let name = query["name"].map(String.init), !name.isEmpty else {
                throw RequestRefusal.invalid(field: "name", "the query parameter name is required")
            }
            do throws(FieldError) {
                try WireText.checkName(name, field: "name")
            } catch {
                throw RequestRefusal.invalid(error)
            }
            var options = DatasetImportOptions()
            if let field = query["problemField"] { options.problemField = String(field) }
            if let field = query["answerField"] { options.answerField = String(field) }
            if let flag = query["answerFromLastBox"] {
                guard let value = Bool(String(flag)) else {
                    throw RequestRefusal.invalid(field: "answerFromLastBox", "must be true or false, got \(flag)")
                }
                options.answerFromLastBox = value
            }
            try DatasetParser.checkName(name)
            // On disk, not in memory: the coordinator grows by a few MiB
            // whatever the body's size.
            let body = try await DatasetBodySpool.spool(
                request.body, declaredLength: JSONResponses.declaredLength(of: request), limit: Self.maxDatasetBytes)
            do {
                let summary = try await DatasetImporter(store: store, names: names).importBody(body, name: name, options: options)
                await body.remove()
                return try JSONResponses.ok(summary, status: summary.created ? .created : .ok)
            } catch {
                await body.remove()
                throw error
            }
        }
    }
}
