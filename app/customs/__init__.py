"""Customs data for carriers and forwarders: CN 22 / CN 23 / commercial invoice declarations built
from frozen orders (model, pure rules), loaded in bounded chunks (assemble) and written as CSV or
JSON (csv_out, json_out; JSON Schema in data/customs/shipment.schema.json)."""
