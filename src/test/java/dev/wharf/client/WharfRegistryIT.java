package dev.wharf.client;

import dev.wharf.testing.RegistryServer;

/** The client against Wharf's own server. */
class WharfRegistryIT extends RegistryClientContract {

    @Override
    String hostPort() {
        return RegistryServer.shared().hostPort();
    }
}
