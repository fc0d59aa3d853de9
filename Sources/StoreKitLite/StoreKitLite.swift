import CSQLite

/// StoreKitLite: SQLite, the metadata store and the artifact store.
public enum StoreKitLite {
    /// The version of the linked SQLite library.
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
}
