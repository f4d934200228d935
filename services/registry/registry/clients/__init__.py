"""Machine clients: institutions', partners' and our own services' systems (client-credentials grant)."""
