/// The version every binary reports and every run records.
public enum GVMVersion {
    public static let current = "0.1.0"
}
