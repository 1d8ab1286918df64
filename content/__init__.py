"""Study content: scenarios, the responsibility matrix and the onboarding course, validated at load."""
