"""The interface every Jing-Jin-Ji province implements for the others (``contracts/mutual-recognition.openapi.yaml``):
who we are (``/jjj/v1/partner-info``) and verification of our statements for a partner's system, authenticated by
a JWT the partner signs with a key of its own published JWKS."""
