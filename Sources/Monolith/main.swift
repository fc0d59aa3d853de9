import StoreKitLite
print("monolith (sqlite \(StoreKitLite.sqliteVersion))")
