/// HTTPKit: an HTTP/1.1 server written for Monolith (parser, connections, event loops, router).
public enum HTTPKit {}
