import FuzzSupport

runLibFuzzer { data, size in
    guard let data else { return 0 }
    return fuzzModelLoader(data, size)
}
