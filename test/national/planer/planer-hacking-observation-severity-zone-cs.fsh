CodeSystem:  PlanerHackingObservationSeverityZoneCS
Id:          planer-hacking-observation-severity-zone-cs
Title:       "Vurderingssone for observasjon"
Description: "Kodeverk for tre nivåer av alvorlighetsgrad ved vurdering av observasjoner i planer."
* ^status = #draft
* ^date = "2026-09-10"
* ^publisher = "HL7 Norge"
* #green "Grønn sone" "Forventet verdiområde, normal oppfølging."
* #yellow "Gul sone" "Avvik som krever økt oppfølging eller revurdering."
* #red "Rød sone" "Kritisk avvik som krever rask intervensjon."
