import Foundation

/// Decodes JSON input, turning every failure into a `FieldError` that names
/// the field, or for unparseable text, what the parser tripped over.
public enum JSONInput {
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(FieldError) -> T {
        do {
            return try WireJSON.decoder().decode(type, from: data)
        } catch {
            var fieldError = FieldError(error)
            if fieldError.field == "input", fieldError.problem == "is not valid JSON" {
                fieldError.problem += syntaxDetail(data).map { " (\($0))" } ?? ""
            }
            throw fieldError
        }
    }

    /// JSONDecoder says only that the text is not JSON; JSONSerialization
    /// says where and why ("Unexpected end of file", "Number 1e400 is not
    /// representable"). Only called on the failure path.
    private static func syntaxDetail(_ data: Data) -> String? {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return nil
        } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
        }
    }
}
